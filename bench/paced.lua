-- wrk script: each connection waits BENCH_DELAY_MS between requests, so that the whole
-- load keeps a steady rate (connections x 1000 / delay a second) instead of its peak
function delay()
  return tonumber(os.getenv("BENCH_DELAY_MS"))
end
