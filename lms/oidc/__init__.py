"""Sign-in with Mon Espace (OpenID Connect, authorization code + PKCE + nonce).

Off while ``OIDC_ISSUER`` is empty: the login page then shows only the local
form. ``client`` talks to the provider, ``services`` matches and updates
accounts, ``views`` runs the flow (``/accounts/oidc/...``).

Which Tremplin account a Mon Espace identity opens (``services.resolve``):

1. The identity already linked (``OIDCIdentity``, by ``iss`` + ``sub``): that
   account, whatever the claims say now. An inactive account is refused.
2. Otherwise a staff number (matricule) claim is required; without it sign-in
   is refused and nothing is written.
3. An account with the same matricule is linked automatically (the matricule is
   the official staff identifier the provider vouches for).
4. Otherwise an account whose e-mail equals the ``email`` claim is linked
   automatically only when the provider says ``email_verified`` and that
   account has no other matricule. An account with another matricule is
   refused (two different people).
5. A match that would give a *privileged* account (IFPC staff, administrator,
   or Django staff flag) to the identity, or an e-mail match the provider has not
   verified, is never linked silently: the person must type that account's
   local password (``views.confirm_link``, throttled like the login form).
6. No match: a new account is created (unusable local password) and linked.

Creation, link, roles and establishments are written in one transaction,
journalled (``ADDED``, ``ACCOUNT_LINKED``, and each role change through
``lms.services.grant_role``/``revoke_role``). At each sign-in the roles named in
``OIDC_ROLE_RULES`` follow the functions claim (granted and revoked); other
roles are left alone. Establishments follow the FASE claim when it is present.

While OIDC is on, an account linked to Mon Espace may still use its local
password only if it holds a role listed in ``OIDC_LOCAL_LOGIN_ROLES`` (tutors,
IFPC staff); accounts without a link (people with no portal account) keep it.
"""
