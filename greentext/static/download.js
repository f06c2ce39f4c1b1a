(file) => {
  // The file a download button just wrote (a FileData with its URL), saved by the browser under its own name.
  if (!file || !file.url) return;
  const a = document.createElement("a");
  a.href = file.url;
  a.download = file.orig_name || "";
  document.body.appendChild(a);
  a.click();
  a.remove();
}
