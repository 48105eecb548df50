"""xinfang load-demo and xinfang demo-logins."""
