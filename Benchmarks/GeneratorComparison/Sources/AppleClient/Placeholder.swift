// run.sh copies generated sources here
