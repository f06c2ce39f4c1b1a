"""GPT-2 Greentext Lab: `python app.py --help`. The app itself is the package greentext/ui."""

from greentext.ui import main

if __name__ == "__main__":
    main()
