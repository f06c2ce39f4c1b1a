(on) => { document.body.classList.toggle('big', on); return on; }
