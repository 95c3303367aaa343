// generated later
