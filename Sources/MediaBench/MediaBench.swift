/// The synthetic media pipeline run by `consort bench` and the benchmark suite.
