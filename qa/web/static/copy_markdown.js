(md) => {
  const done = () => { const b = document.querySelector('#copy-md'); if (b) { b.dataset.copied = '1'; } };
  if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(md).then(done); }
  else { const t = document.createElement('textarea'); t.value = md; document.body.appendChild(t); t.select();
         document.execCommand('copy'); t.remove(); done(); }
  return [];
}
