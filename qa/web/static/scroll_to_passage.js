() => {
  const p = document.querySelector('#viewer .passage'); const box = p && p.closest('.doctext');
  if (box) { box.scrollTop = Math.max(0, p.offsetTop - box.clientHeight / 5); }
}
