"""The public portal: online petitions, query code, progress, evaluation and review requests."""
