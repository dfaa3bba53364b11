"""A minimal client for the Kenchi verification service (docs/service.md), standard library only."""
import json
import urllib.error
import urllib.request


class KenchiError(Exception):
    """The service refused the call (``code`` is its error code) or could not be reached."""

    def __init__(self, code, message, status=0):
        super().__init__(message)
        self.code = code
        self.status = status


class KenchiClient:
    def __init__(self, base_url, secret, timeout=2.0):
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.timeout = timeout

    def verify(self, token, context):
        """Verifies the ``kenchi-token`` form field; returns the verdict as a dict."""
        return self._call("/v1/verify", {"token": token, "context": context})

    def outcome(self, event_id, outcome):
        return self._call("/v1/outcome", {"eventId": event_id, "outcome": outcome})

    def label(self, event_id, label, comment=None):
        body = {"eventId": event_id, "label": label}
        if comment is not None:
            body["comment"] = comment
        return self._call("/v1/label", body)

    def _call(self, path, body):
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json", "Authorization": "Bearer " + self.secret},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            try:
                data = json.loads(error.read().decode("utf-8"))
            except ValueError:
                data = {}
            raise KenchiError(data.get("error", "error"), data.get("message", "refused"), error.code) from None
        except (urllib.error.URLError, OSError) as error:
            raise KenchiError("unreachable", str(error)) from None
