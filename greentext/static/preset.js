() => {
  // A preset button: temperature, top-k and top-p set in the browser, the preset's three values
  // (greentext/decode/presets.py) written in below when the page is built.
  return __PRESET__;
}
