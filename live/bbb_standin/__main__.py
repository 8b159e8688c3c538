"""``python -m live.bbb_standin --port N --secret S [--host 127.0.0.1]``."""

from __future__ import annotations

import argparse
import logging
import sys
import warnings

from .server import make_server

logger = logging.getLogger("live.bbb_standin")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m live.bbb_standin",
        description="Simulateur BigBlueButton de Tremplin (API BBB, pas de vidéo).",
    )
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--secret", required=True, help="secret partagé BBB")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--public-url",
        default="",
        help="adresse vue par les navigateurs (défaut : http://HOST:PORT)",
    )
    parser.add_argument("--verbose", action="store_true", help="journal des requêtes")
    args = parser.parse_args(argv)

    # Logs go to stdout: whoever starts us may read stderr only on a crash.
    logging.basicConfig(
        stream=sys.stdout,
        level=logging.INFO,
        format="[simulateur BBB] %(message)s",
    )
    try:
        from jwt.warnings import InsecureKeyLengthWarning

        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
    except ImportError:  # older PyJWT: no such warning
        pass
    server = make_server(
        args.host,
        args.port,
        args.secret,
        verbose=args.verbose,
        public_url=args.public_url,
    )
    logger.info(
        "Simulateur BigBlueButton (pas une vraie classe virtuelle) sur %s/bigbluebutton/",
        server.store.base_url,
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
