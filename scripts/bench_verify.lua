-- wrk script for scripts/bench_verify.py: POST /api/v1/verify with a rotating list of request bodies.
-- Run with as many wrk threads as connections (-tN -cN), so each thread drives one connection.
-- Arguments (after --): a file of JSON bodies, one per line; requests per second per connection
-- (0: closed loop); the number of connections.
-- Closed loop: each request is sent as soon as the last one is answered. Paced (open loop): each
-- connection sends a request every `interval` ms on a fixed schedule (staggered between
-- connections), and a request's latency is counted from when the schedule said to send it, not
-- from when it was sent: a slow answer delays the next request, and that wait counts too (wrk's
-- own latency would leave it out — "coordinated omission").
-- A response counts as a failure unless it is 200 with the verdict "genuine".
-- done() prints one JSON line: requests, seconds, latency percentiles (ms), failures.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("bench_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

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
  local rate = tonumber(args[2])
  interval = rate > 0 and 1000 / rate or 0
  local connections = tonumber(args[3])
  phase = id * interval / connections
  next_body = id * math.floor(#bodies / connections)
  start = nil
  sent = 0
  due = 0
  latencies = {}
  failures = 0
  headers = { ["Content-Type"] = "application/json" }
end

function delay()
  local now = now_ms()
  if interval == 0 then
    due = now
    return 0
  end
  if start == nil then
    start = now + phase
  end
  due = start + sent * interval
  sent = sent + 1
  return math.max(0, math.ceil(due - now))  -- never early: latency counts from due
end

function request()
  next_body = next_body + 1
  return wrk.format("POST", nil, headers, bodies[(next_body % #bodies) + 1])
end

function response(status, _, body)
  latencies[#latencies + 1] = now_ms() - due
  if status ~= 200 or not body:find('"verdict":%s*"genuine"') then
    failures = failures + 1
  end
end

local function percentile(sorted, p)
  if #sorted == 0 then
    return 0
  end
  return sorted[math.max(1, math.ceil(p / 100 * #sorted))]
end

function done(summary, _, _)
  local all = {}
  local failed = 0
  for _, thread in ipairs(threads) do
    for _, v in ipairs(thread:get("latencies")) do
      all[#all + 1] = v
    end
    failed = failed + thread:get("failures")
  end
  table.sort(all)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, ' ..
    '"failures": %d, "socket_errors": %d}\n',
    #all, summary.duration / 1e6, percentile(all, 50), percentile(all, 90), percentile(all, 99),
    all[#all] or 0, failed, e.connect + e.read + e.write + e.timeout))
end
