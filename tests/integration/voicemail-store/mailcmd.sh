#!/bin/sh
# A stand-in for sendmail -t: keeps each mail it is given in $1.
cat > "$1/mail-$(date +%s%N).eml"
