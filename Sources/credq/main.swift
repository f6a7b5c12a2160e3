print("credq")
