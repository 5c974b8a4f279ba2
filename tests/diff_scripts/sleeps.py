"""A script that hangs before it trains (waiting on a lock, a server, a file that never comes)."""
import time

time.sleep(3600)
