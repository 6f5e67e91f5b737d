-- For wrk: prints the 95th percentile of latency (`--latency` shows 50, 75, 90 and 99 only).
done = function(summary, latency, requests)
  io.write(string.format("p95: %.2f ms\n", latency:percentile(95) / 1000))
end
