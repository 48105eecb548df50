// The print page's 打印 button (no inline script: the pages may run under a strict CSP).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print-button");
  if (button) button.addEventListener("click", () => window.print());
});
