print("loaxa")
