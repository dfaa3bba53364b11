<?php
// A minimal client for the Kenchi verification service (docs/service.md), in plain PHP with
// curl, the way an EC-CUBE plugin or a Magento module would call it from its login controller.
// No framework, no Composer package: copy this file into your module.

final class KenchiClient
{
    private string $baseUrl;
    private string $secret;
    private int $timeoutMs;

    /**
     * @param string $baseUrl   where the service runs, e.g. http://127.0.0.1:8787 (no trailing slash)
     * @param string $secret    the site's API secret (from the environment, never from the code)
     * @param int    $timeoutMs how long to wait for an answer before failing open or closed (your choice)
     */
    public function __construct(string $baseUrl, string $secret, int $timeoutMs = 2000)
    {
        $this->baseUrl = rtrim($baseUrl, '/');
        $this->secret = $secret;
        $this->timeoutMs = $timeoutMs;
    }

    /**
     * Verifies the `kenchi-token` form field. Returns the verdict as an array:
     * ['decision' => 'allow'|'challenge'|'deny', 'reasons' => [...], 'eventId' => ..., ...].
     * Throws KenchiError when the service refuses the call (wrong secret, bad request) or
     * cannot be reached.
     */
    public function verify(?string $token, array $context): array
    {
        return $this->call('/v1/verify', ['token' => $token, 'context' => $context]);
    }

    /** Reports what happened after a verdict: login_succeeded, login_failed, challenge_passed... */
    public function outcome(string $eventId, string $outcome): array
    {
        return $this->call('/v1/outcome', ['eventId' => $eventId, 'outcome' => $outcome]);
    }

    /** Labels an event fraud or legit. */
    public function label(string $eventId, string $label, ?string $comment = null): array
    {
        $body = ['eventId' => $eventId, 'label' => $label];
        if ($comment !== null) {
            $body['comment'] = $comment;
        }
        return $this->call('/v1/label', $body);
    }

    private function call(string $path, array $body): array
    {
        $ch = curl_init($this->baseUrl . $path);
        curl_setopt_array($ch, [
            CURLOPT_POST => true,
            CURLOPT_POSTFIELDS => json_encode($body, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES),
            CURLOPT_HTTPHEADER => ['Content-Type: application/json', 'Authorization: Bearer ' . $this->secret],
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_TIMEOUT_MS => $this->timeoutMs,
        ]);
        $text = curl_exec($ch);
        $status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        $error = curl_error($ch);
        curl_close($ch);
        if ($text === false) {
            throw new KenchiError('unreachable', 'Kenchi service unreachable: ' . $error, 0);
        }
        $data = json_decode($text, true);
        if (!is_array($data)) {
            throw new KenchiError('bad_response', 'Kenchi service answered ' . $status . ' without JSON', $status);
        }
        if ($status !== 200) {
            throw new KenchiError($data['error'] ?? 'error', $data['message'] ?? 'refused', $status);
        }
        return $data;
    }
}

final class KenchiError extends RuntimeException
{
    public string $errorCode;
    public int $status;

    public function __construct(string $errorCode, string $message, int $status)
    {
        parent::__construct($message);
        $this->errorCode = $errorCode;
        $this->status = $status;
    }
}
