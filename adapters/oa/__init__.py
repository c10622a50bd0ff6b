"""OA adapter."""
