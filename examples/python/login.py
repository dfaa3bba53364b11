"""A login handler as a Python shop back end would write it (Django, Flask or plain WSGI all
call it the same way): check the password, then ask Kenchi what to do.

Run from the command line for the test, with the request in environment variables:
KENCHI_URL, KENCHI_SECRET, LOGIN_EMAIL, LOGIN_TOKEN (the kenchi-token form field),
CLIENT_IP, USER_AGENT. Prints one JSON line like the PHP example.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kenchi_client import KenchiClient, KenchiError  # noqa: E402


def handle_login(kenchi, email, password_ok, token, ip, user_agent):
    try:
        verdict = kenchi.verify(token, {"action": "login", "loginId": email, "ip": ip, "userAgent": user_agent})
    except KenchiError as error:
        # The service refused the call or is down: decide whether to fail open or closed.
        return {"result": "error", "error": error.code, "status": error.status}
    if verdict["decision"] == "allow" and password_ok:
        kenchi.outcome(verdict["eventId"], "login_succeeded")
        result = "logged_in"
    elif verdict["decision"] == "challenge":
        result = "second_factor"  # send a code (POST /v1/stepup/start), then check it
    else:
        result = "refused"
    return {"result": result, "decision": verdict["decision"], "eventId": verdict["eventId"], "reasons": [r["code"] for r in verdict["reasons"]]}


if __name__ == "__main__":
    client = KenchiClient(os.environ.get("KENCHI_URL", "http://127.0.0.1:8787"), os.environ.get("KENCHI_SECRET", ""))
    outcome = handle_login(
        client,
        os.environ.get("LOGIN_EMAIL", ""),
        True,
        os.environ.get("LOGIN_TOKEN") or None,
        os.environ.get("CLIENT_IP") or None,
        os.environ.get("USER_AGENT") or None,
    )
    print(json.dumps(outcome))
