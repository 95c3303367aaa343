print("queuegen")
