"""Documents (文书): the nine notices of a matter's handling, with serial numbers never reused."""
