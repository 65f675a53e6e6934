() => setTimeout(() => {
  const wrap = document.querySelector('#chat .bubble-wrap');
  const asked = wrap ? wrap.querySelectorAll('.message-row.user-row') : [];
  const last = asked[asked.length - 1];
  if (last) { wrap.scrollTop += last.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8; }
  (() => {
  const p = document.querySelector('#viewer .passage'); const box = p && p.closest('.doctext');
  if (box) { box.scrollTop = Math.max(0, p.offsetTop - box.clientHeight / 5); }
})();
}, 60)
