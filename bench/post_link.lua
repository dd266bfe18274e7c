-- wrk script: POST a link of the tracks in BENCH_TRACKS as the producer (bench/run.py)
wrk.method = "POST"
wrk.body = os.getenv("BENCH_TRACKS")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = os.getenv("BENCH_AUTHORIZATION")
