#!/usr/bin/env bash
# Kills every process group listed in DIR/pgids and removes DIR once PARENT_PID is gone, so a
# cluster set never outlives the process that started it, even when that process is SIGKILLed.
# Usage: watchdog.sh PARENT_PID DIR
parent=$1 dir=$2
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
if [ -f "$dir/pgids" ]; then
  while read -r pg; do [ -n "$pg" ] && kill -KILL -- "-$pg" 2>/dev/null; done < "$dir/pgids"
fi
rm -rf "$dir"
