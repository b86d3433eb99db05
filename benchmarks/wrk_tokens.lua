-- wrk script of benchmarks/serving.py: every request carries the next reader's API token (one
-- token per line in the file named by the first script argument; none: no Authorization), and
-- the summary is printed as one JSON line prefixed with "WRK_RESULT ".
local tokens = {}
local next_token = 0

function init(args)
  if args[1] then
    for line in io.lines(args[1]) do
      tokens[#tokens + 1] = line
    end
  end
end

function request()
  if #tokens == 0 then
    return wrk.format("GET", wrk.path)
  end
  next_token = next_token % #tokens + 1
  return wrk.format("GET", wrk.path, { Authorization = "Token " .. tokens[next_token] })
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "errors_connect": %d, "errors_read": %d, ' ..
    '"errors_write": %d, "errors_status": %d, "errors_timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, errors.connect, errors.read,
    errors.write, errors.status, errors.timeout))
end
