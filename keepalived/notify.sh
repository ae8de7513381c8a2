#!/bin/sh
# keepalived notify script: $1 GROUP|INSTANCE, $2 name, $3 MASTER|BACKUP|FAULT|STOP, $4 priority.
# Every VRRP transition goes to the journal and to a log the drills read for VIP moves.
logger -t keepalived-notify "$2 is now $3 (priority $4)"
printf '%s %s %s\n' "$(date +%s.%N)" "$2" "$3" >> /var/log/keepalived-transitions.log
