"""The verifier really works inside the scenario's hosts, over SSH, through Molecule's inventory.

This machine may have the same packages installed (redis-server, for the unit tests); a test
that silently ran here would pass for the wrong reason.
"""

from __future__ import annotations

import os
import socket

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]
).get_hosts("all")


def test_commands_run_inside_the_scenario_host(host):
    # testinfra's Ansible backend hands commands to its own SSH backend when the inventory
    # says ansible_connection: ssh (Ansible's own plugin would be ~30x slower).
    backend = host.backend
    assert backend.NAME == "ansible"
    assert backend.ansible_runner.get_host(backend.host).backend.NAME == "ssh"
    hostname = host.check_output("hostname")
    assert hostname == host.backend.get_hostname()
    assert hostname != socket.gethostname()
    assert host.system_info.distribution == "debian"
