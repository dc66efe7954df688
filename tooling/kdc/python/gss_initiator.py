#!/usr/bin/python3
"""SASL GSSAPI (RFC 4752) client side, driven line by line over stdin/stdout.

Run it with the python3 that has python-gssapi (Debian: /usr/bin/python3 + python3-gssapi). Kerberos settings
come from the environment (KRB5_CONFIG, KRB5CCNAME).

  stdout  "T <base64>"  a response to send to the server (empty base64 = zero-length response)
          "I <json>"    information: {"offer": {"layers": n, "maxbuf": n}} for the server's security-layer message
  stdin   "<base64>"    the server's next challenge

With --tokens N it only prints N first tokens (AP-REQs), each from a fresh context, and exits.
"""
import argparse
import base64
import json
import sys

import gssapi


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", default="pop@localhost", help="host-based service name")
    parser.add_argument("--mutual", action="store_true", help="request mutual authentication")
    parser.add_argument("--authzid", default="", help="authorization identity to send")
    parser.add_argument("--layer", type=int, default=1, help="security layer byte to choose")
    parser.add_argument("--maxbuf", type=int, default=0, help="maximum buffer size to announce")
    parser.add_argument("--tokens", type=int, default=0, help="print N first tokens and exit")
    args = parser.parse_args()

    target = gssapi.Name(args.target, gssapi.NameType.hostbased_service)
    flags = [gssapi.RequirementFlag.replay_detection, gssapi.RequirementFlag.out_of_sequence_detection]
    if args.mutual:
        flags.append(gssapi.RequirementFlag.mutual_authentication)

    def new_context():
        return gssapi.SecurityContext(name=target, usage="initiate", mech=gssapi.MechType.kerberos, flags=flags)

    if args.tokens:
        for _ in range(args.tokens):
            emit_token(new_context().step())
        return

    context = new_context()
    emit_token(context.step())
    for line in sys.stdin:
        challenge = base64.b64decode(line.strip(), validate=True)
        if not context.complete:
            # An AP-REP when mutual authentication was asked for; the answer to it is a zero-length response.
            emit_token(context.step(challenge) or b"")
            continue
        offer = context.unwrap(challenge).message
        if len(offer) != 4:
            raise SystemExit(f"server security-layer message has {len(offer)} octets, expected 4")
        emit("I", json.dumps({"offer": {"layers": offer[0], "maxbuf": int.from_bytes(offer[1:4], "big")}}))
        choice = bytes([args.layer]) + args.maxbuf.to_bytes(3, "big") + args.authzid.encode("utf-8")
        emit_token(context.wrap(choice, False).message)
        return


def emit_token(token):
    emit("T", base64.b64encode(token or b"").decode("ascii"))


def emit(kind, text):
    sys.stdout.write(f"{kind} {text}\n")
    sys.stdout.flush()


if __name__ == "__main__":
    try:
        main()
    except gssapi.exceptions.GSSError as error:
        sys.stderr.write(f"gss error: {error.gen_message()}\n")
        sys.exit(2)
