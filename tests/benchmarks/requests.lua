-- wrk script for the benchmarks: cycles through prepared requests and counts unexpected statuses.
-- Arguments (after `--`): a file with one request per line (tab-separated "Name: value" headers; an empty
-- line means no extra header) and the expected status. Requests are formatted once per thread in init(),
-- so the Lua side costs the same for the app and its ceiling.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local file, expected_status = args[1], tonumber(args[2] or "200")
  expected = expected_status
  bad = 0
  first_bad = 0
  prepared = {}
  for line in io.lines(file) do
    local headers = {}
    for pair in string.gmatch(line, "[^\t]+") do
      local name, value = string.match(pair, "^([^:]+):%s*(.*)$")
      if name then headers[name] = value end
    end
    table.insert(prepared, wrk.format(nil, nil, headers))
  end
  if #prepared == 0 then prepared = { wrk.format() } end
  -- Threads start at different offsets so they do not send the same sessions in lockstep.
  index = math.random(#prepared) - 1
end

function request()
  index = index % #prepared + 1
  return prepared[index]
end

function response(status, headers, body)
  if status ~= expected then
    bad = bad + 1
    if first_bad == 0 then first_bad = status end
  end
end

function done(summary, latency, requests)
  local bad_total, first = 0, 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    if first == 0 then first = thread:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bad_status": %d, "first_bad_status": %d, ' ..
    '"socket_errors": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, bad_total, first, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
