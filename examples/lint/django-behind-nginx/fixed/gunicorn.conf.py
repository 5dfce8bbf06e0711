bind = "127.0.0.1:8000"
workers = 3
# nginx connects from this machine: believe its scheme headers, nobody else's
forwarded_allow_ips = "127.0.0.1"
