"""Local fakes of external services used by Tapestry tests and benchmarks."""
