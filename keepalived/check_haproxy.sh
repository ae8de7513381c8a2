#!/bin/sh
# keepalived's track script: this LB may hold the VIP only while HAProxy runs here.
exec systemctl is-active --quiet haproxy.service
