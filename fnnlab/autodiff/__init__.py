"""Computing gradients automatically: forward mode (dual numbers), reverse
mode (a computational graph of arrays), and static against dynamic graphs.

Chapter: *Computing gradients automatically*.
"""
