-- wrk script: every request is a successful sign-in (one argon2id verification each).
wrk.method = "POST"
wrk.body = '{"email":"bench@example.com","password":"BenchSalon-Pass-42!"}'
wrk.headers["Content-Type"] = "application/json"
