-- wrk script for scripts/bench_verify.py: POST /api/v1/verify with a rotating list of request bodies.
-- Arguments (after --): a file of JSON bodies, one per line; wrk's threads.
-- A response counts as a failure unless it is 200 with the verdict "genuine".
-- done() prints one JSON line: requests, seconds, latency percentiles (ms), errors, failures.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  -- Threads start at different places in the list, so they do not scan the same item at once.
  next_body = id * math.floor(#bodies / tonumber(args[2]))
  failures = 0
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  next_body = next_body + 1
  return wrk.format("POST", nil, headers, bodies[(next_body % #bodies) + 1])
end

function response(status, _, body)
  if status ~= 200 or not body:find('"verdict":%s*"genuine"') then
    failures = failures + 1
  end
end

function done(summary, latency, _)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, ' ..
    '"failures": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, failed, e.connect + e.read + e.write + e.timeout))
end
