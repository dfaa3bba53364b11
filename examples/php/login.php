<?php
// A login handler as a shop module would write it: check the password as always, then ask
// Kenchi what to do. Run from the command line for the test (php login.php), with the
// request in environment variables; in a real shop the same code reads $_POST and $_SERVER.
//
//   KENCHI_URL      the service, e.g. http://127.0.0.1:8787
//   KENCHI_SECRET   the site's API secret
//   LOGIN_EMAIL, LOGIN_TOKEN (the kenchi-token form field), CLIENT_IP, USER_AGENT
//
// Prints one JSON line: {"result": "logged_in" | "second_factor" | "refused" | "error", ...}

require __DIR__ . '/kenchi.php';

$kenchi = new KenchiClient(getenv('KENCHI_URL') ?: 'http://127.0.0.1:8787', getenv('KENCHI_SECRET') ?: '');
$email = getenv('LOGIN_EMAIL') ?: ($_POST['email'] ?? '');
$token = getenv('LOGIN_TOKEN') ?: ($_POST['kenchi-token'] ?? null);

// 1. Your own password check comes first (here: every password is right).
$passwordOk = true;

try {
    $verdict = $kenchi->verify($token, [
        'action' => 'login',
        'loginId' => $email,
        'ip' => getenv('CLIENT_IP') ?: ($_SERVER['REMOTE_ADDR'] ?? null),
        'userAgent' => getenv('USER_AGENT') ?: ($_SERVER['HTTP_USER_AGENT'] ?? null),
    ]);
} catch (KenchiError $e) {
    // The service refused the call or is down: decide whether to fail open or closed.
    echo json_encode(['result' => 'error', 'error' => $e->errorCode, 'status' => $e->status]), "\n";
    exit(0);
}

if ($verdict['decision'] === 'allow' && $passwordOk) {
    $kenchi->outcome($verdict['eventId'], 'login_succeeded');
    $result = 'logged_in';
} elseif ($verdict['decision'] === 'challenge') {
    $result = 'second_factor'; // send a code (POST /v1/stepup/start), then check it
} else {
    $result = 'refused';
}
echo json_encode(['result' => $result, 'decision' => $verdict['decision'], 'eventId' => $verdict['eventId'], 'reasons' => array_column($verdict['reasons'], 'code')]), "\n";
