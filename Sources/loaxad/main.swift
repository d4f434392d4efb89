print("loaxad")
