#!/usr/bin/env python3
"""keys_set1.py - every key of a 105-key PC keyboard with the scan code set 1
bytes a PC's 8042 hands the CPU (the published set 1 table, written here
independently of src/hw/keymap.c) and its Linux input key code (X11 evdev
keycode = Linux code + 8), for the keyboard tests.

  keys_set1.py sendkeys          the --send-keys string that presses each key once
  keys_set1.py xkeycodes         the X keycodes, one per line, in the same order
  keys_set1.py check FILE        compare the KBD bytes in FILE (kbd_guest's COM1
                                 output) with what those key presses must give
"""
import re
import sys

# name (QEMU sendkey), set 1 make bytes, Linux key code
KEYS = [
    ("esc", "01", 1), ("f1", "3B", 59), ("f2", "3C", 60), ("f3", "3D", 61), ("f4", "3E", 62),
    ("f5", "3F", 63), ("f6", "40", 64), ("f7", "41", 65), ("f8", "42", 66), ("f9", "43", 67),
    ("f10", "44", 68), ("f11", "57", 87), ("f12", "58", 88),
    ("print", "E0 2A E0 37", 99), ("scroll_lock", "46", 70), ("pause", "E1 1D 45 E1 9D C5", 119),
    ("grave_accent", "29", 41), ("1", "02", 2), ("2", "03", 3), ("3", "04", 4), ("4", "05", 5),
    ("5", "06", 6), ("6", "07", 7), ("7", "08", 8), ("8", "09", 9), ("9", "0A", 10), ("0", "0B", 11),
    ("minus", "0C", 12), ("equal", "0D", 13), ("backspace", "0E", 14),
    ("tab", "0F", 15), ("q", "10", 16), ("w", "11", 17), ("e", "12", 18), ("r", "13", 19),
    ("t", "14", 20), ("y", "15", 21), ("u", "16", 22), ("i", "17", 23), ("o", "18", 24),
    ("p", "19", 25), ("bracket_left", "1A", 26), ("bracket_right", "1B", 27), ("backslash", "2B", 43),
    ("caps_lock", "3A", 58), ("a", "1E", 30), ("s", "1F", 31), ("d", "20", 32), ("f", "21", 33),
    ("g", "22", 34), ("h", "23", 35), ("j", "24", 36), ("k", "25", 37), ("l", "26", 38),
    ("semicolon", "27", 39), ("apostrophe", "28", 40), ("ret", "1C", 28),
    ("shift", "2A", 42), ("less", "56", 86), ("z", "2C", 44), ("x", "2D", 45), ("c", "2E", 46),
    ("v", "2F", 47), ("b", "30", 48), ("n", "31", 49), ("m", "32", 50), ("comma", "33", 51),
    ("dot", "34", 52), ("slash", "35", 53), ("shift_r", "36", 54),
    ("ctrl", "1D", 29), ("meta_l", "E0 5B", 125), ("alt", "38", 56), ("spc", "39", 57),
    ("alt_r", "E0 38", 100), ("meta_r", "E0 5C", 126), ("menu", "E0 5D", 127), ("ctrl_r", "E0 1D", 97),
    ("insert", "E0 52", 110), ("home", "E0 47", 102), ("pgup", "E0 49", 104),
    ("delete", "E0 53", 111), ("end", "E0 4F", 107), ("pgdn", "E0 51", 109),
    ("up", "E0 48", 103), ("left", "E0 4B", 105), ("down", "E0 50", 108), ("right", "E0 4D", 106),
    ("num_lock", "45", 69), ("kp_divide", "E0 35", 98), ("kp_multiply", "37", 55),
    ("kp_subtract", "4A", 74), ("kp_7", "47", 71), ("kp_8", "48", 72), ("kp_9", "49", 73),
    ("kp_add", "4E", 78), ("kp_4", "4B", 75), ("kp_5", "4C", 76), ("kp_6", "4D", 77),
    ("kp_1", "4F", 79), ("kp_2", "50", 80), ("kp_3", "51", 81), ("kp_0", "52", 82),
    ("kp_decimal", "53", 83), ("kp_enter", "E0 1C", 96),
]


def expected(names=None):
    """The byte stream pressing and releasing each key once must give."""
    out = []
    for name, make, _ in KEYS:
        if names is not None and name not in names:
            continue
        b = make.split()
        out += b
        if name == "pause":
            continue  # Pause sends everything at the press
        if name == "print":
            out += ["E0", "B7", "E0", "AA"]
            continue
        if b[0] == "E0":
            out += ["E0", "%02X" % (int(b[1], 16) | 0x80)]
        else:
            out += ["%02X" % (int(b[0], 16) | 0x80)]
    return out


def got(path):
    text = open(path, "rb").read().decode("latin-1")
    i = text.find("KBD-READY")
    if i < 0:
        return None
    return re.findall(r"\b[0-9A-F]{2}\b", text[i + 9:])


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if sys.argv[1] == "sendkeys":
        print("".join("<%s>" % k[0] for k in KEYS), end="")
    elif sys.argv[1] == "xkeycodes":
        for k in KEYS:
            print(k[2] + 8)
    elif sys.argv[1] == "last":
        print(" ".join(expected()[-2:]))
    elif sys.argv[1] == "check":
        g, want = got(sys.argv[2]), expected()
        if g is None:
            print("FAIL: the guest never said KBD-READY")
            sys.exit(1)
        if g != want:
            # Name the first key whose bytes differ.
            pos = 0
            for name, _, _ in KEYS:
                n = len(expected([name]))
                if g[pos:pos + n] != want[pos:pos + n]:
                    print("FAIL: key %s: got %s, want %s" % (name, " ".join(g[pos:pos + n]),
                                                            " ".join(want[pos:pos + n])))
                    break
                pos += n
            print("FAIL: %d bytes received, %d expected" % (len(g), len(want)))
            sys.exit(1)
        print("%d keys, %d bytes: all as the set 1 table says" % (len(KEYS), len(want)))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
