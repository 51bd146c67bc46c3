-- Counts responses by their X-Cache header (hit, miss, or none) across all of wrk's threads and
-- prints one line at the end: "x-cache: hit=H miss=M none=N" (bench/catalog.sh reads it).
-- Each thread has its own Lua state: setup() keeps a handle on every thread so done() can read
-- their counters with thread:get.
-- Defining response() makes wrk hand every response's headers and body to Lua, which costs the
-- load generator time: use it for the ratio, not for the headline throughput.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  hits, misses, none = 0, 0, 0
end

function response(status, headers, body)
  local v = headers["x-cache"] or headers["X-Cache"]
  v = v and v:lower()
  if v == "hit" then
    hits = hits + 1
  elseif v == "miss" then
    misses = misses + 1
  else
    none = none + 1
  end
end

function done(summary, latency, requests)
  local h, m, n = 0, 0, 0
  for _, thread in ipairs(threads) do
    h = h + thread:get("hits")
    m = m + thread:get("misses")
    n = n + thread:get("none")
  end
  io.write(string.format("x-cache: hit=%d miss=%d none=%d\n", h, m, n))
end
