from benchmarks.engine import main

main()
