print("flux")
