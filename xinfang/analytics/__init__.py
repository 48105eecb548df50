"""Analytics (统计分析): the one counting module and the reports drawn from it."""
