"""``python -m certification.staff_space_standin --port N --token T [faults]``."""

from __future__ import annotations

import argparse
import logging
import sys

from .server import MAX_BODY_BYTES, make_server
from .store import FaultPlan

logger = logging.getLogger("certification.staff_space_standin")


def _rate(value: str) -> float:
    rate = float(value)
    if not 0 <= rate <= 1:
        raise argparse.ArgumentTypeError("une part entre 0 et 1")
    return rate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m certification.staff_space_standin",
        description=(
            "Simulateur de l'espace personnel (Mon Espace) : reçoit les "
            "attestations de Tremplin selon docs/staff-space-api.md."
        ),
    )
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--token", required=True, help="jeton Bearer attendu")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--fail-rate", type=_rate, default=0.0, help="part de 5xx")
    parser.add_argument(
        "--timeout-rate", type=_rate, default=0.0, help="part de requêtes sans réponse"
    )
    parser.add_argument(
        "--timeout-seconds",
        type=float,
        default=30.0,
        help="durée pendant laquelle une requête « timeout » est retenue (30 s)",
    )
    parser.add_argument(
        "--reset-rate", type=_rate, default=0.0, help="part de connexions coupées"
    )
    parser.add_argument(
        "--throttle-rate", type=_rate, default=0.0, help="part de 429 (Retry-After)"
    )
    parser.add_argument(
        "--duplicate-rate",
        type=_rate,
        default=0.0,
        help="part de requêtes enregistrées mais répondues par une panne",
    )
    parser.add_argument("--latency-ms", type=int, default=0, help="latence ajoutée")
    parser.add_argument(
        "--retry-after-max", type=int, default=2, help="Retry-After maximal (s)"
    )
    parser.add_argument("--seed", type=int, default=None, help="tirages reproductibles")
    parser.add_argument("--max-body-bytes", type=int, default=MAX_BODY_BYTES)
    args = parser.parse_args(argv)

    plan = FaultPlan(
        fail_rate=args.fail_rate,
        timeout_rate=args.timeout_rate,
        reset_rate=args.reset_rate,
        throttle_rate=args.throttle_rate,
        duplicate_rate=args.duplicate_rate,
        latency_ms=args.latency_ms,
        timeout_seconds=args.timeout_seconds,
        retry_after_max=args.retry_after_max,
        seed=args.seed,
    )
    try:
        plan.check()
    except ValueError as error:
        parser.error(str(error))

    # One line per request on stdout; stderr is kept for crashes.
    logging.basicConfig(
        stream=sys.stdout,
        level=logging.INFO,
        format="[simulateur espace personnel] %(message)s",
    )
    server = make_server(
        args.host, args.port, args.token, plan, max_body_bytes=args.max_body_bytes
    )
    logger.info(
        "Simulateur de l'espace personnel (pas le vrai) sur http://%s:%s/v1/ ; pannes : %s",
        args.host,
        server.server_address[1],
        {k: v for k, v in plan.as_dict().items() if v and k != "refuse"},
    )
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
