-- wrk script: POST /sts with one scope inside the example config's uploads/anonymous/*.
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = '[{"action":"name/cos:PutObject","bucket":"example-1250000000","region":"ap-guangzhou","prefix":"uploads/anonymous/bench.jpg"}]'

-- Any answer but 200 is counted, so a limit or an STS error cannot pass for throughput.
local bad = 0
response = function(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms  p99 %.2f ms  non-200: %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))
end
