"""A local stand-in for the Hugging Face Hub and the GitHub API, for tests, demos and benchmarks."""
