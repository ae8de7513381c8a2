#!/bin/sh
# keepalived's track script: this LB may hold the VIP only while HAProxy runs here.
# pidof reads /proc and exits: `systemctl is-active` took 0.2 s on an idle emulated VM and over
# the script's time limit on a busy one, and each time-out counted as a failure (the VIP moved
# between two healthy LBs). It also holds during a reload, when is-active says "reloading".
exec pidof -q haproxy
