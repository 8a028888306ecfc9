// CPU benchmark (set-up stub).
console.log('bench:cpu: not yet');
