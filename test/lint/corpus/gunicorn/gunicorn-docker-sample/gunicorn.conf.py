
bind='0.0.0.0:80'
worker_class='gevent'
