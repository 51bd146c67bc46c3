-- wrk script: every request uploads the same image to the `services` folder as a multipart form.
-- Env: BENCH_TOKEN, BENCH_IMAGE (the file's path).
local token, path = os.getenv("BENCH_TOKEN"), os.getenv("BENCH_IMAGE")
local f = assert(io.open(path, "rb"))
local image = f:read("*all")
f:close()
local boundary = "pulse-bench-boundary-7d1c0a"
local body = "--" .. boundary .. "\r\n" ..
  'Content-Disposition: form-data; name="folder"\r\n\r\nservices\r\n' ..
  "--" .. boundary .. "\r\n" ..
  'Content-Disposition: form-data; name="image"; filename="photo.jpg"\r\n' ..
  "Content-Type: image/jpeg\r\n\r\n" .. image .. "\r\n" ..
  "--" .. boundary .. "--\r\n"

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.headers["Authorization"] = "Bearer " .. token

local statuses = {}
function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end
