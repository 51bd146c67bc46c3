-- wrk script: bookings under contention. Every request books the same service on the same day at a
-- random start on the 15-minute grid between 09:00 and 16:45, with no expert chosen, so the server
-- looks for a free expert each time; once the day is full every answer is a 409.
-- Env: BENCH_TOKEN, BENCH_SERVICE, BENCH_DAY.
local token, service, day = os.getenv("BENCH_TOKEN"), os.getenv("BENCH_SERVICE"), os.getenv("BENCH_DAY")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init()
  counts = {}
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local minute = 9 * 60 + 15 * math.random(0, 31)
  local time = string.format("%02d:%02d", math.floor(minute / 60), minute % 60)
  local body = string.format(
    '{"serviceId":"%s","appointmentDate":"%s","appointmentTime":"%s","customerName":"Bench",' ..
    '"customerPhone":"+44 20 7946 0000","payNow":false}', service, day, time)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end

function response(status)
  counts[status] = (counts[status] or 0) + 1
end

function done()
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("Status %d: %d\n", status, n))
  end
end
